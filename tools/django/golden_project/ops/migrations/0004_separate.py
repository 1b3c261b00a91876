from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ops", "0003_sql")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddField("author", "born", models.IntegerField(default=1900)),
                migrations.AlterField("author", "name", models.CharField(max_length=60)),
            ],
            state_operations=[
                migrations.AddField("author", "born", models.IntegerField(default=1900)),
                migrations.AlterField("author", "name", models.CharField(max_length=60)),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField("author", "nick", models.CharField(max_length=30, null=True))],
        ),
    ]
