from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_packed_by")]

    operations = [
        migrations.CreateModel(
            name="TaskEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("signal", models.CharField(max_length=20)),
                ("task", models.CharField(max_length=200)),
                ("result_id", models.CharField(db_index=True, max_length=64)),
                ("status", models.CharField(max_length=20)),
                ("backend", models.CharField(max_length=100)),
                ("at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
