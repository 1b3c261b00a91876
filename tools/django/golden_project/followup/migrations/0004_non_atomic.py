from django.db import migrations, models


class Migration(migrations.Migration):
    """Run outside a transaction (Django on SQLite: autocommit, one statement at a time)."""

    atomic = False
    dependencies = [("followup", "0003_rename_unnamed_index")]
    operations = [
        migrations.AddField("tag", "weight", models.IntegerField(default=1)),
        migrations.RunSQL(
            "INSERT INTO followup_author (name) VALUES ('outside')",
            "DELETE FROM followup_author WHERE name = 'outside'",
        ),
    ]
