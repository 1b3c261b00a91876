from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ops", "0007_order")]
    operations = [
        migrations.AlterOrderWithRespectTo("book", None),
    ]
