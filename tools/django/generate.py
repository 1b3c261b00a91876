"""Generates a Django app whose migrations make random model changes.

    python generate.py OUT SEED COUNT

Writes OUT/gen/migrations/0001_initial.py .. COUNT migrations with Django's own
MigrationWriter: two models (Alpha, Beta), then random changes:
- fields: AddField / AlterField / RenameField / RemoveField over every field type and
  option (null, default, db_default, unique, db_index, db_column, db_collation,
  db_comment, auto_now), ForeignKey / OneToOneField (altered: null, db_index,
  db_constraint), ManyToManyField (added, renamed, removed) and GeneratedField (virtual
  and stored);
- indexes: AddIndex (one or several fields, descending, partial, on an expression),
  RemoveIndex, RenameIndex;
- constraints: unique (fields, partial, on an expression) and check constraints, added and
  removed; unique_together grown and shrunk;
- models: a third model made (with options, indexes, constraints, a foreign key, sometimes
  one pointed at by Alpha or Beta), renamed, moved to another table, ordered with respect
  to its foreign key, and deleted.
Same SEED, same migrations. Runs inside a Django venv.
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
from django.db.models.functions import Lower  # noqa: E402

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
    ("FilePathField", lambda: {"path": "/tmp"}, "p"),
]
INTEGERS = {"IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
            "PositiveSmallIntegerField", "PositiveBigIntegerField"}
TEXTS = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}

# Alpha and Beta get field changes; the third model ("gamma": its current name or None)
# gets model changes.
state = {"Alpha": {}, "Beta": {}}
extras = {m: {"indexes": [], "constraints": [], "unique_together": []} for m in state}
# Fields an index, constraint or generated field refers to (not renamed or removed), and
# those a condition or a generated field refers to (not altered either): per model,
# {owner name: set of field names}.
refs = {m: {} for m in state}
frozen = {m: {} for m in state}
# Relation targets: (model, field) -> model name.
targets = {}
gamma = None
gamma_info = {}
counter = [0]


def new_name():
    counter[0] += 1
    return f"f{counter[0]}"


def kind_of(f):
    return type(f).__name__


def used(model, table):
    return set().union(*table[model].values()) if table[model] else set()


def relation_targets():
    return list(state) + ([gamma] if gamma else [])


def make_relation(model, n):
    other = rng.choice(relation_targets())
    targets[(model, n)] = other
    r = rng.random()
    if r < 0.25:
        return models.ManyToManyField(to=f"gen.{other.lower()}", related_name="+")
    kw = {"on_delete": models.CASCADE, "to": f"gen.{other.lower()}", "null": True,
          "related_name": "+"}
    if rng.random() < 0.3:
        kw["db_index"] = False
    if rng.random() < 0.15:
        kw["db_constraint"] = False
    cls = models.OneToOneField if r < 0.45 else models.ForeignKey
    return cls(**kw)


def make_field(model, n):
    """A random field for `model.n` (its references recorded)."""
    if rng.random() < 0.15:
        return make_relation(model, n)
    ints = [x for x in simple_names(model) if kind_of(state[model][x]) in INTEGERS]
    if ints and rng.random() < 0.07:
        src = rng.choice(ints)
        refs[model][n] = {src}
        frozen[model][n] = {src}
        return models.GeneratedField(expression=models.F(src) + 1,
                                     output_field=models.IntegerField(),
                                     db_persist=rng.random() < 0.5)
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
    if cls_name in TEXTS and rng.random() < 0.1:
        kw["db_collation"] = "NOCASE"
    if rng.random() < 0.05:
        kw["db_comment"] = "a comment"
    if cls_name in ("DateField", "DateTimeField", "TimeField") and rng.random() < 0.2:
        kw[rng.choice(["auto_now", "auto_now_add"])] = True
    return getattr(models, cls_name)(**kw)


def concrete_names(model):
    return list(state[model])


def simple_names(model):
    """Plain columns (no relation, not generated)."""
    return [n for n, f in state[model].items() if not f.is_relation and not f.generated]


def column_names(model):
    """Fields with a column of their own (no many-to-many)."""
    return [n for n, f in state[model].items() if not f.many_to_many]


def drop_refs(model, owner):
    refs[model].pop(owner, None)
    frozen[model].pop(owner, None)


def add_field(model, ops):
    n = new_name()
    f = make_field(model, n)
    state[model][n] = f
    ops.append(migrations.AddField(model.lower(), n, f.clone()))


def alter_field(model, ops):
    cands = [n for n in concrete_names(model)
             if n not in used(model, frozen) and not state[model][n].generated
             and not state[model][n].many_to_many]
    if not cands:
        return
    n = rng.choice(cands)
    old = state[model][n]
    if old.is_relation:
        other = targets[(model, n)]
        kw = {"on_delete": models.CASCADE, "to": f"gen.{other.lower()}",
              "null": rng.random() < 0.7, "related_name": "+"}
        if rng.random() < 0.3:
            kw["db_index"] = False
        if rng.random() < 0.2:
            kw["db_constraint"] = False
        f = type(old)(**kw)
    elif rng.random() < 0.35:
        # Same type, other options.
        name, path, args, kw = old.deconstruct()
        kw.pop("db_default", None)
        choice = rng.choice(["null", "unique", "db_index", "default", "db_default"])
        literal = next((lit for c, _, lit in KINDS if c == kind_of(old)), None)
        if choice == "null":
            kw["null"] = not kw.get("null", False)
            if not kw["null"] and literal is None:
                kw["null"] = True
            elif not kw["null"]:
                kw["default"] = literal
        elif choice == "unique" and kind_of(old) not in ("TextField", "BinaryField", "JSONField"):
            kw["unique"] = not kw.get("unique", False)
        elif choice == "db_index" and kind_of(old) not in ("BinaryField", "JSONField"):
            kw["db_index"] = not kw.get("db_index", False)
        elif choice == "default" and literal is not None:
            if "default" in kw:
                del kw["default"]
                kw["null"] = True
            else:
                kw["default"] = literal
        elif choice == "db_default" and literal is not None:
            kw.pop("default", None)
            kw["db_default"] = literal
        f = type(old)(*args, **kw)
    else:
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


def rename_field(model, ops):
    cands = [n for n in concrete_names(model) if n not in used(model, refs)]
    if not cands:
        return
    n = rng.choice(cands)
    nn = new_name()
    state[model][nn] = state[model].pop(n)
    if (model, n) in targets:
        targets[(model, nn)] = targets.pop((model, n))
    for owner in (refs, frozen):
        if n in owner[model]:
            owner[model][nn] = owner[model].pop(n)
    extras[model]["unique_together"] = [tuple(nn if x == n else x for x in ut)
                                        for ut in extras[model]["unique_together"]]
    ops.append(migrations.RenameField(model.lower(), n, nn))


def remove_field(model, ops):
    taken = used(model, refs) | {x for ut in extras[model]["unique_together"] for x in ut}
    cands = [n for n in concrete_names(model) if n not in taken]
    if not cands:
        return
    n = rng.choice(cands)
    del state[model][n]
    targets.pop((model, n), None)
    drop_refs(model, n)
    ops.append(migrations.RemoveField(model.lower(), n))


def condition(model, n):
    """A condition on field n (kept valid whatever n's type: not altered afterwards)."""
    if kind_of(state[model][n]) in INTEGERS and rng.random() < 0.7:
        return models.Q((f"{n}__gte", 0))
    return models.Q((f"{n}__isnull", False))


def add_index(model, ops):
    names = simple_names(model)
    if not names:
        return
    ix_name = f"ix_{model.lower()}_{new_name()}"
    r = rng.random()
    text = [n for n in names if kind_of(state[model][n]) in TEXTS]
    if r < 0.15 and text:
        n = rng.choice(text)
        ix = models.Index(Lower(n), name=ix_name)
        fields = {n}
    else:
        picked = rng.sample(names, min(len(names), rng.choice([1, 1, 2])))
        ix_fields = [("-" if rng.random() < 0.3 else "") + n for n in picked]
        kw = {}
        fields = set(picked)
        if r > 0.8:
            kw["condition"] = condition(model, picked[0])
            frozen[model][ix_name] = {picked[0]}
        ix = models.Index(fields=ix_fields, name=ix_name, **kw)
    refs[model][ix_name] = fields
    extras[model]["indexes"].append(ix)
    # A copy in the operation: a later RenameIndex renames ours, not the one written.
    ops.append(migrations.AddIndex(model.lower(), ix.clone()))


def remove_index(model, ops):
    if not extras[model]["indexes"]:
        return
    ix = rng.choice(extras[model]["indexes"])
    extras[model]["indexes"].remove(ix)
    drop_refs(model, ix.name)
    ops.append(migrations.RemoveIndex(model.lower(), ix.name))


def rename_index(model, ops):
    if not extras[model]["indexes"]:
        return
    ix = rng.choice(extras[model]["indexes"])
    new = f"ix_{model.lower()}_{new_name()}"
    ops.append(migrations.RenameIndex(model.lower(), new_name=new, old_name=ix.name))
    for owner in (refs, frozen):
        if ix.name in owner[model]:
            owner[model][new] = owner[model].pop(ix.name)
    ix.name = new


def add_constraint(model, ops):
    names = simple_names(model)
    if not names:
        return
    c_name = f"c_{model.lower()}_{new_name()}"
    r = rng.random()
    text = [n for n in names if kind_of(state[model][n]) in TEXTS]
    if r < 0.35:
        n = rng.choice(names)
        c = models.CheckConstraint(condition=condition(model, n), name=c_name)
        refs[model][c_name] = {n}
        frozen[model][c_name] = {n}
    elif r < 0.45 and text:
        n = rng.choice(text)
        c = models.UniqueConstraint(Lower(n), name=c_name)
        refs[model][c_name] = {n}
    else:
        picked = rng.sample(names, min(len(names), rng.choice([1, 1, 2])))
        kw = {}
        if r > 0.85:
            kw["condition"] = condition(model, picked[0])
            frozen[model][c_name] = {picked[0]}
        c = models.UniqueConstraint(fields=picked, name=c_name, **kw)
        refs[model][c_name] = set(picked)
    extras[model]["constraints"].append(c)
    ops.append(migrations.AddConstraint(model.lower(), c.clone()))


def remove_constraint(model, ops):
    if not extras[model]["constraints"]:
        return
    c = rng.choice(extras[model]["constraints"])
    extras[model]["constraints"].remove(c)
    drop_refs(model, c.name)
    ops.append(migrations.RemoveConstraint(model.lower(), c.name))


def alter_unique_together(model, ops):
    ut = list(extras[model]["unique_together"])
    names = [n for n in column_names(model) if not state[model][n].generated]
    if ut and rng.random() < 0.4:
        ut.remove(rng.choice(ut))
    elif len(names) >= 2:
        ut.append(tuple(rng.sample(names, 2)))
    else:
        return
    extras[model]["unique_together"] = ut
    ops.append(migrations.AlterUniqueTogether(model.lower(), set(ut)))


def model_change(ops):
    global gamma
    if gamma is None:
        gamma = f"Gamma{new_name()[1:]}"
        fk_to = rng.choice(list(state))
        fields = [
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ("label", models.CharField(max_length=30)),
            ("rank", models.IntegerField(default=0)),
            ("owner", models.ForeignKey(on_delete=models.CASCADE, to=f"gen.{fk_to.lower()}",
                                        null=True, related_name="+")),
        ]
        options = {}
        if rng.random() < 0.3:
            options["db_table"] = f"tbl_{gamma.lower()}"
        if rng.random() < 0.4:
            options["indexes"] = [models.Index(fields=["label", "-rank"], name=f"ix_{gamma.lower()}")]
        if rng.random() < 0.4:
            options["constraints"] = [models.CheckConstraint(condition=models.Q(rank__gte=0),
                                                             name=f"ck_{gamma.lower()}")]
        if rng.random() < 0.3:
            options["unique_together"] = {("label", "owner")}
        gamma_info.clear()
        gamma_info["ordered"] = False
        ops.append(migrations.CreateModel(gamma, fields, options=options))
        return
    r = rng.random()
    pointing = [(m, n) for (m, n), t in targets.items() if t == gamma]
    if r < 0.3:
        new = f"Gamma{new_name()[1:]}"
        ops.append(migrations.RenameModel(gamma, new))
        for k, t in list(targets.items()):
            if t == gamma:
                targets[k] = new
        # The fields pointing at it are re-made by Django's state: keep ours in step.
        for m, n in pointing:
            name, path, args, kw = state[m][n].deconstruct()
            kw["to"] = f"gen.{new.lower()}"
            state[m][n] = type(state[m][n])(*args, **kw)
        gamma = new
    elif r < 0.5:
        table = rng.choice([None, f"tbl_{new_name()}"])
        ops.append(migrations.AlterModelTable(gamma.lower(), table))
    elif r < 0.65 and not gamma_info.get("ordered"):
        gamma_info["ordered"] = True
        ops.append(migrations.AlterOrderWithRespectTo(gamma.lower(), "owner"))
    elif r < 0.75 and gamma_info.get("ordered"):
        gamma_info["ordered"] = False
        ops.append(migrations.AlterOrderWithRespectTo(gamma.lower(), None))
    else:
        for m, n in pointing:
            if n in used(m, refs) or any(n in ut for ut in extras[m]["unique_together"]):
                return
        for m, n in pointing:
            del state[m][n]
            del targets[(m, n)]
            drop_refs(m, n)
            ops.append(migrations.RemoveField(m.lower(), n))
        ops.append(migrations.DeleteModel(gamma))
        gamma = None


FIELD_OPS = [
    (0.24, add_field),
    (0.14, alter_field),
    (0.08, rename_field),
    (0.08, remove_field),
    (0.08, add_index),
    (0.04, remove_index),
    (0.03, rename_index),
    (0.09, add_constraint),
    (0.04, remove_constraint),
    (0.06, alter_unique_together),
]
MODEL_OPS = 0.12

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
                f = make_field(model, n) if model == "Beta" else None
                if f is None or f.is_relation or f.generated:
                    targets.pop((model, n), None)
                    drop_refs(model, n)
                    cls_name, base, literal = rng.choice(KINDS[:12])
                    f = getattr(models, cls_name)(null=True, **base())
                state[model][n] = f
                fields.append((n, f.clone()))
            ops.append(migrations.CreateModel(model, fields))
    else:
        for _ in range(rng.randint(1, 4)):
            if rng.random() < MODEL_OPS:
                model_change(ops)
                continue
            model = rng.choice(list(state))
            if len(concrete_names(model)) < 2:
                add_field(model, ops)
                continue
            r = rng.random() * sum(w for w, _ in FIELD_OPS)
            for w, op in FIELD_OPS:
                r -= w
                if r < 0:
                    op(model, ops)
                    break
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
