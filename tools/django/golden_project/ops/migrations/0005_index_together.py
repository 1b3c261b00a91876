from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ops", "0004_separate")]
    operations = [
        migrations.AlterIndexTogether("book", {("title",)}),
    ]
