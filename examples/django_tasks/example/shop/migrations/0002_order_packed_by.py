from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="packed_by",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
