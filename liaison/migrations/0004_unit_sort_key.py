"""Units listed in the order readers expect: the office, city departments, districts and counties,
parks, each by the pinyin of the name. ``Unit.save`` keeps ``sort_key`` current from now on; this
fills it for the units that already exist (historical models do not run ``Unit.save``)."""

from django.db import migrations, models


def fill_sort_keys(apps, schema_editor):
    from liaison.unit_order import unit_sort_key

    Unit = apps.get_model("liaison", "Unit")
    units = list(Unit.objects.all())
    for unit in units:
        unit.sort_key = unit_sort_key(name=unit.name, kind=unit.kind, is_office=unit.is_office)
    Unit.objects.bulk_update(units, ["sort_key"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("liaison", "0003_text_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=720, verbose_name="sort key"),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="unit",
            options={"ordering": ["sort_key", "name"], "verbose_name": "unit", "verbose_name_plural": "units"},
        ),
        migrations.AlterModelOptions(
            name="cadre",
            options={
                "ordering": ["unit__sort_key", "user__last_name", "user__first_name"],
                "verbose_name": "cadre",
                "verbose_name_plural": "cadres",
            },
        ),
    ]
