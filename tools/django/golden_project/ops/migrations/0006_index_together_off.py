from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ops", "0005_index_together")]
    operations = [
        migrations.AlterIndexTogether("book", set()),
    ]
