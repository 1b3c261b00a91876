from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ops", "0006_index_together_off")]
    operations = [
        migrations.AlterOrderWithRespectTo("book", "author"),
    ]
