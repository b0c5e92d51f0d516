from metadefs.models import Namespace


def test_icontains_ignores_case_even_with_binary_collation(db):
    Namespace.objects.create(namespace="OS::Test::Sample", owner="admin")
    Namespace.objects.create(namespace="os::test::sample", owner="admin")
    assert Namespace.objects.filter(namespace__icontains="TEST::SAM").count() == 2
    # Names themselves stay case-sensitive.
    assert Namespace.objects.filter(namespace="OS::TEST::SAMPLE").count() == 0
