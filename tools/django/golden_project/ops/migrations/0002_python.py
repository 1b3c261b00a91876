from django.db import migrations


def add_authors(apps, schema_editor):
    Author = apps.get_model("ops", "Author")
    Author.objects.create(name="ada")


def remove_authors(apps, schema_editor):
    apps.get_model("ops", "Author").objects.filter(name="ada").delete()


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]
    operations = [
        migrations.RunPython(add_authors, remove_authors),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop, elidable=True),
    ]
