"""A delete that has committed is a 204 even when the database goes away before the clean-up after the commit
(removing the data's row, the cache rows): the clean-up is retried later, the client is not told it failed.
Found by deploy/cluster's database restart test (tests/cluster/test_database_restart.py)."""
from django.db import OperationalError, connection

from images.choices import LocationStatus
from images.models import Image, ImageLocation
from tests.images.conftest import create, image_url, upload

DATA = b"some image data" * 100


def test_a_committed_delete_is_204_when_the_database_goes_away_after_the_commit(
        transactional_db, api, store_dir):
    owner = api.as_("tenant-a")
    image = create(owner, disk_format="raw", container_format="bare")
    assert upload(owner, image["id"], DATA).status_code == 204

    def gone_after_commit(execute, sql, params, many, context):
        # The delete itself is an UPDATE (the row stays); only the clean-up after the commit deletes rows.
        if sql.startswith("DELETE"):
            raise OperationalError(2013, "Lost connection to server during query")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(gone_after_commit):
        response = owner.delete(image_url(image["id"]))
    assert response.status_code == 204
    assert owner.get(image_url(image["id"])).status_code == 404
    assert Image.all_objects.get(pk=image["id"]).deleted
    # The data is gone; the row of the copy stays marked for removal, for the worker's retry.
    assert list(store_dir.iterdir()) == []
    assert list(ImageLocation.objects.filter(image_id=image["id"]).values_list("status", flat=True)) == [
        LocationStatus.PENDING_DELETE]
