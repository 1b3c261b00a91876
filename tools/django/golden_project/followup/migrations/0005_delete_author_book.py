from django.db import migrations


class Migration(migrations.Migration):
    """Author goes first, then Book, which points at it (as Django's
    tests/migrations/test_migrations_no_changes/0003_third.py): unapplying recreates Book
    while Author is already gone from the state."""

    dependencies = [("followup", "0004_non_atomic")]
    operations = [
        migrations.DeleteModel("Author"),
        migrations.DeleteModel("Book"),
    ]
