from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ops", "0009_callable_defaults")]
    operations = [
        migrations.AlterField("book", "tags", models.ManyToManyField(to="ops.author", related_name="+")),
    ]
