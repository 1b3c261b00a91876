# A table remake re-creates the cast expression indexes; an index added on a field whose
# type becomes decimal; a stored generated column added.
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Abs, Lower, Upper


class Migration(migrations.Migration):
    dependencies = [("numeric", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="price", name="label",
            field=models.DecimalField(max_digits=6, decimal_places=1, default=0)),
        migrations.AddIndex(
            model_name="price",
            index=models.Index(Upper(Lower("label")), name="price_label_upper")),
        migrations.AddIndex(
            model_name="price",
            index=models.Index(Abs("qty"), Abs("discount"), name="price_abs")),
        migrations.AddField(
            model_name="price", name="net",
            field=models.GeneratedField(
                expression=F("amount") - F("discount"),
                output_field=models.DecimalField(max_digits=12, decimal_places=2),
                db_persist=True)),
    ]
