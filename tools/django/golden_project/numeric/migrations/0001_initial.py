# Expressions whose output field is a DecimalField: Django's SQLite backend casts them
# (SQLiteNumericMixin), at every level, in indexes, unique constraints, generated columns
# and database defaults. Found by the generated differential corpus (an expression index
# on a field altered to a DecimalField).
from decimal import Decimal

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Abs, Coalesce, Length, Lower


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            name="Price",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("amount", models.DecimalField(max_digits=8, decimal_places=2)),
                ("discount", models.DecimalField(max_digits=8, decimal_places=2, null=True)),
                ("qty", models.PositiveIntegerField(default=1)),
                ("rate", models.FloatField(default=1.0)),
                ("label", models.CharField(max_length=20)),
                ("total", models.GeneratedField(
                    expression=F("amount") * F("qty"),
                    output_field=models.DecimalField(max_digits=12, decimal_places=2),
                    db_persist=True)),
                ("doubled", models.GeneratedField(
                    expression=F("qty") * 2,
                    output_field=models.DecimalField(max_digits=12, decimal_places=2),
                    db_persist=False)),
                ("magnitude", models.GeneratedField(
                    expression=Abs("amount"), output_field=models.IntegerField(),
                    db_persist=False)),
                ("fee", models.DecimalField(
                    max_digits=8, decimal_places=2,
                    db_default=Value(Decimal("1.50")) * Value(3))),
            ],
            options={
                "indexes": [
                    models.Index(Lower("amount"), name="price_lower_amount"),
                    models.Index((F("amount") * 2).desc(), name="price_amount_x2"),
                    models.Index(F("amount"), Length("amount"), name="price_amount_len"),
                    models.Index(F("amount") + F("rate"), name="price_mixed"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        Coalesce("amount", "discount"), F("label"), name="price_unique_net"),
                ],
            },
        ),
    ]
