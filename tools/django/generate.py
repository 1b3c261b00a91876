"""Generates a Django app whose migrations make random model changes.

    python generate.py OUT SEED COUNT

Writes OUT/gen/migrations/0001_initial.py .. COUNT migrations with Django's own
MigrationWriter: two models, then random AddField / AlterField / RenameField / RemoveField
over every field type and option, indexes, unique and check constraints and
unique_together. Same SEED, same migrations. Runs inside a Django venv.
"""

import os
import random
import sys

import django
from django.conf import settings

settings.configure(INSTALLED_APPS=[], USE_TZ=True)
django.setup()

from django.db import migrations, models  # noqa: E402
from django.db.migrations.writer import MigrationWriter  # noqa: E402

out, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)

KINDS = [
    ("CharField", lambda: {"max_length": rng.choice([10, 40, 255])}, "x"),
    ("TextField", dict, "t"),
    ("IntegerField", dict, 7),
    ("BigIntegerField", dict, 8),
    ("SmallIntegerField", dict, 2),
    ("PositiveIntegerField", dict, 3),
    ("PositiveSmallIntegerField", dict, 1),
    ("PositiveBigIntegerField", dict, 9),
    ("FloatField", dict, 1.5),
    ("DecimalField", lambda: {"max_digits": 8, "decimal_places": 2}, None),
    ("BooleanField", dict, True),
    ("DateField", dict, None),
    ("DateTimeField", dict, None),
    ("TimeField", dict, None),
    ("DurationField", dict, None),
    ("BinaryField", dict, None),
    ("JSONField", dict, None),
    ("UUIDField", dict, None),
    ("GenericIPAddressField", dict, "127.0.0.1"),
    ("SlugField", dict, "s"),
    ("EmailField", dict, "a@b.c"),
    ("URLField", dict, "http://x"),
    ("FileField", dict, "f.txt"),
]

state = {"Alpha": {}, "Beta": {}}
extras = {"Alpha": {"indexes": [], "constraints": [], "unique_together": []},
          "Beta": {"indexes": [], "constraints": [], "unique_together": []}}
counter = [0]


def new_name():
    counter[0] += 1
    return f"f{counter[0]}"


def make_field(model):
    """A random field and whether it is NOT NULL without a default."""
    if rng.random() < 0.15:
        other = rng.choice(list(state))
        kw = {"on_delete": models.CASCADE, "to": f"gen.{other.lower()}", "null": True}
        if rng.random() < 0.3:
            kw["db_index"] = False
        cls = rng.choice([models.ForeignKey, models.OneToOneField])
        if cls is models.OneToOneField:
            kw["related_name"] = "+"
        else:
            kw["related_name"] = "+"
        return cls(**kw)
    cls_name, base, literal = rng.choice(KINDS)
    kw = base()
    r = rng.random()
    if r < 0.4:
        kw["null"] = True
    elif literal is not None and r < 0.75:
        kw["default"] = literal
    elif literal is not None and r < 0.85:
        kw["db_default"] = literal
    else:
        kw["null"] = True
    if cls_name not in ("TextField", "BinaryField", "JSONField") and rng.random() < 0.15:
        kw["unique"] = True
    elif cls_name not in ("BinaryField", "JSONField") and rng.random() < 0.15:
        kw["db_index"] = True
    if rng.random() < 0.1:
        kw["db_column"] = f"col_{counter[0]}"
    if rng.random() < 0.1:
        kw["blank"] = True
    return getattr(models, cls_name)(**kw)


def concrete_names(model):
    return [n for n in state[model]]


def simple_names(model):
    return [n for n, f in state[model].items() if not f.is_relation]


ops_log = []
os.makedirs(os.path.join(out, "gen", "migrations"), exist_ok=True)
open(os.path.join(out, "gen", "__init__.py"), "w").close()
open(os.path.join(out, "gen", "migrations", "__init__.py"), "w").close()

prev = None
for i in range(1, count + 1):
    ops = []
    if i == 1:
        for model in state:
            fields = [("id", models.AutoField(auto_created=True, primary_key=True, serialize=False))]
            for _ in range(3):
                n = new_name()
                f = make_field(model) if model == "Beta" else None
                if f is None or f.is_relation:
                    cls_name, base, literal = rng.choice(KINDS[:12])
                    f = getattr(models, cls_name)(null=True, **base())
                state[model][n] = f
                fields.append((n, f.clone()))
            ops.append(migrations.CreateModel(model, fields))
    else:
        for _ in range(rng.randint(1, 4)):
            model = rng.choice(list(state))
            names = concrete_names(model)
            choice = rng.random()
            if choice < 0.3 or len(names) < 2:
                n = new_name()
                f = make_field(model)
                state[model][n] = f
                ops.append(migrations.AddField(model.lower(), n, f.clone()))
            elif choice < 0.5:
                n = rng.choice(simple_names(model) or names)
                old = state[model][n]
                if old.is_relation:
                    continue
                cls_name, base, literal = rng.choice(KINDS)
                kw = base()
                kw["null"] = rng.random() < 0.5
                if not kw["null"] and literal is not None:
                    kw["default"] = literal
                elif not kw["null"]:
                    kw["null"] = True
                f = getattr(models, cls_name)(**kw)
                state[model][n] = f
                ops.append(migrations.AlterField(model.lower(), n, f.clone()))
            elif choice < 0.62:
                used = {x.lstrip("-") for ix in extras[model]["indexes"] for x in ix.fields}
                used |= {x for c in extras[model]["constraints"] for x in getattr(c, "fields", ()) or ()}
                cands = [n for n in names if n not in used]
                if not cands:
                    continue
                n = rng.choice(cands)
                nn = new_name()
                state[model][nn] = state[model].pop(n)
                for ix in extras[model]["indexes"]:
                    ix.fields = [nn if x == n else x for x in ix.fields]
                for c in extras[model]["constraints"]:
                    if hasattr(c, "fields") and c.fields:
                        c.fields = tuple(nn if x == n else x for x in c.fields)
                extras[model]["unique_together"] = [tuple(nn if x == n else x for x in ut) for ut in extras[model]["unique_together"]]
                ops.append(migrations.RenameField(model.lower(), n, nn))
            elif choice < 0.72:
                used = {x.lstrip("-") for ix in extras[model]["indexes"] for x in ix.fields}
                used |= {x for c in extras[model]["constraints"] for x in getattr(c, "fields", ()) or ()}
                used |= {x for ut in extras[model]["unique_together"] for x in ut}
                cands = [n for n in names if n not in used]
                if not cands:
                    continue
                n = rng.choice(cands)
                del state[model][n]
                ops.append(migrations.RemoveField(model.lower(), n))
            elif choice < 0.82:
                n = rng.choice(simple_names(model) or names)
                ix = models.Index(fields=[("-" if rng.random() < 0.3 else "") + n], name=f"ix_{model.lower()}_{new_name()}")
                extras[model]["indexes"].append(ix)
                ops.append(migrations.AddIndex(model.lower(), ix))
            elif choice < 0.92:
                n = rng.choice(simple_names(model) or names)
                c = models.UniqueConstraint(fields=[n], name=f"uq_{model.lower()}_{new_name()}")
                extras[model]["constraints"].append(c)
                ops.append(migrations.AddConstraint(model.lower(), c))
            else:
                pair = rng.sample(names, 2)
                ut = extras[model]["unique_together"] + [tuple(pair)]
                extras[model]["unique_together"] = ut
                ops.append(migrations.AlterUniqueTogether(model.lower(), set(ut)))
    if not ops:
        ops.append(migrations.AlterModelOptions("alpha", {"ordering": ["id"]}))
    name = "0001_initial" if i == 1 else f"{i:04d}_auto"
    m = migrations.Migration(name, "gen")
    m.operations = ops
    m.dependencies = [("gen", prev)] if prev else []
    m.initial = i == 1
    text = MigrationWriter(m).as_string()
    open(os.path.join(out, "gen", "migrations", f"{name}.py"), "w").write(text)
    prev = name
print(f"{count} migrations in {out}")
