# Functions Django's SQLite backend renders in its own way (as_sqlite, SQLite names,
# combine_expression), in expression indexes and a unique constraint.
from django.db import migrations, models
from django.db.models import F, Value
from django.db.models import functions as fn


class Migration(migrations.Migration):
    dependencies = [("numeric", "0002_alter_and_add")]

    operations = [
        migrations.AddField(
            model_name="price", name="code", field=models.CharField(max_length=12, default="")),
        migrations.AddIndex(
            model_name="price",
            index=models.Index(fn.Concat("code", Value("-"), "code"), fn.Left("code", 2),
                               fn.Right("code", 3), name="price_text")),
        migrations.AddIndex(
            model_name="price",
            index=models.Index(fn.StrIndex("code", Value("x")), fn.Chr("qty"), fn.Ord("code"),
                               (F("qty") % 3).desc(), name="price_codes")),
        migrations.AddConstraint(
            model_name="price",
            constraint=models.UniqueConstraint(
                fn.Greatest("qty", Value(1)), fn.Least("amount", "discount"),
                fn.JSONObject(c="code"), name="price_unique_funcs")),
    ]
