import uuid

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ops", "0008_unorder")]
    operations = [
        migrations.AddField("book", "created", models.DateTimeField(default=django.utils.timezone.now)),
        migrations.AddField("book", "key", models.UUIDField(default=uuid.uuid4)),
        migrations.AddField("book", "stamp", models.DateTimeField(auto_now_add=True), preserve_default=False),
        migrations.AddField("book", "day", models.DateField(null=True)),
        migrations.AlterField("book", "day", models.DateField(default=django.utils.timezone.now)),
        migrations.AddField("book", "meta", models.JSONField(default=dict)),
    ]
