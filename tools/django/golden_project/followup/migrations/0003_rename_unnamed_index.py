from django.db import migrations


class Migration(migrations.Migration):
    """Django's upgrade path from index_together: the unnamed index gets a name."""

    dependencies = [("followup", "0002_index_together")]
    operations = [
        migrations.RenameIndex("tag", new_name="tag_name_slug_idx", old_fields=("name", "slug")),
    ]
