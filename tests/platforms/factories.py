import factory

from platforms.models import Platform


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    name = factory.Sequence(lambda n: f"测试平台{n:04d}")
    level = Platform.Level.PROVINCIAL
    category = Platform.Category.PROVINCIAL_KEY_LABORATORY
    host_institution = factory.Sequence(lambda n: f"依托单位{n}")
    district = "岳麓区"
    technology_field = "新材料"
    contact_person = "张老师"
    contact_phone = "0731-88888888"
    preferred_channel = Platform.Channel.PHONE
    preferred_times = "工作日上午"
