from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ops", "0002_python")]
    operations = [
        migrations.RunSQL(
            "CREATE TABLE ops_note (id integer PRIMARY KEY, body text); -- notes\n"
            "INSERT INTO ops_note (body) VALUES ('it''s; fine');",
            reverse_sql="DROP TABLE ops_note;",
        ),
        migrations.RunSQL(
            [("INSERT INTO ops_note (body) VALUES (%s)", ["100%"]), "UPDATE ops_note SET body = body || '!'"],
            reverse_sql=[("DELETE FROM ops_note WHERE body = %s", ["100%!"])],
        ),
        migrations.RunSQL(
            'ALTER TABLE "ops_author" ADD COLUMN "nick" varchar(20) NULL',
            reverse_sql='ALTER TABLE "ops_author" DROP COLUMN "nick"',
            state_operations=[
                migrations.AddField("author", "nick", models.CharField(max_length=20, null=True)),
            ],
        ),
        migrations.RunSQL(migrations.RunSQL.noop, migrations.RunSQL.noop),
    ]
