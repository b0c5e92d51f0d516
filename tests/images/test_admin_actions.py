"""The images admin's actions: the API's services and rules, a message per image, partial success shown."""
import pytest

from images.models import Image
from tests.images.admin_support import (CHANGELIST, active, admin_client, change_url, delete_url,  # noqa: F401
                                        run_action, shown_messages)
from tests.images.conftest import create


def status(image):
    return Image.all_objects.get(pk=image["id"]).status


def test_deactivate_changes_active_images_and_names_the_refused(admin_client, owner):
    running, waiting = active(owner, name="running"), create(owner, name="waiting")
    response = run_action(admin_client, "deactivate", running["id"], waiting["id"])
    assert shown_messages(response) == [
        ("error", f"waiting ({waiting['id']}): Not allowed to deactivate image in status 'queued'"),
        ("success", f"Deactivated 1 image: running ({running['id']})"),
    ]
    assert (status(running), status(waiting)) == ("deactivated", "queued")
    assert owner.get(f"/v2/images/{running['id']}/file").status_code == 403  # what deactivation means


def test_reactivate(admin_client, owner):
    image = active(owner, name="back")
    run_action(admin_client, "deactivate", image["id"])
    response = run_action(admin_client, "reactivate", image["id"])
    assert shown_messages(response) == [("success", f"Reactivated 1 image: back ({image['id']})")]
    assert status(image) == "active"


def test_protect_and_unprotect(admin_client, owner):
    first, second = create(owner, name="one"), create(owner, name="two")
    response = run_action(admin_client, "protect", first["id"], second["id"])
    assert shown_messages(response) == [("success", f"Protected 2 images: two ({second['id']}), one ({first['id']})")]
    assert owner.get(f"/v2/images/{first['id']}").json()["protected"] is True
    run_action(admin_client, "unprotect", first["id"])
    assert [image.protected for image in Image.objects.order_by("name")] == [False, True]


@pytest.mark.parametrize("visibility", ["public", "community", "shared", "private"])
def test_change_visibility(admin_client, owner, visibility):
    image = create(owner, name="seen", visibility="private" if visibility != "private" else "shared")
    response = run_action(admin_client, f"make_{visibility}", image["id"])
    assert shown_messages(response) == [("success", f"Made {visibility} 1 image: seen ({image['id']})")]
    assert owner.get(f"/v2/images/{image['id']}").json()["visibility"] == visibility


def test_the_actions_are_offered(admin_client, owner):
    create(owner, name="any")
    choices = dict(admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert choices == {"": "---------", "deactivate": "Deactivate selected images",
                       "reactivate": "Reactivate selected images", "protect": "Protect selected images",
                       "unprotect": "Unprotect selected images", "make_public": "Make selected images public",
                       "make_community": "Make selected images community",
                       "make_shared": "Make selected images shared", "make_private": "Make selected images private",
                       "delete_selected": "Delete selected images"}


def test_delete_asks_then_deletes_and_refuses_protected_images(admin_client, owner, store_dir,
                                                               django_capture_on_commit_callbacks):
    doomed, kept = active(owner, name="doomed"), create(owner, name="kept", protected=True)
    confirm = run_action(admin_client, "delete_selected", doomed["id"], kept["id"])
    page = confirm.content.decode()
    assert "Are you sure you want to delete the selected images?" in page and "doomed" in page and "kept" in page
    assert status(doomed) == "active"
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, "delete_selected", doomed["id"], kept["id"], post="yes")
    assert shown_messages(response) == [
        ("error", f"kept ({kept['id']}): Image {kept['id']} is protected and cannot be deleted."),
        ("success", f"Deleted 1 image: doomed ({doomed['id']})"),
    ]
    assert (status(doomed), status(kept)) == ("deleted", "queued")
    assert list(store_dir.iterdir()) == []


def test_delete_with_delayed_delete_keeps_the_data_for_the_scrubber(admin_client, owner, store_dir, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.DELAYED_DELETE = True
    image = active(owner, name="later")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client, "delete_selected", image["id"], post="yes")
    assert status(image) == "pending_delete"
    assert len(list(store_dir.iterdir())) == 1
    assert owner.get(f"/v2/images/{image['id']}").status_code == 404


def test_delete_page_removes_the_data_through_the_service(admin_client, owner, store_dir,
                                                          django_capture_on_commit_callbacks):
    image = active(owner, name="gone")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete_url(image["id"]), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image["id"]).exists()
    assert list(store_dir.iterdir()) == []


def test_delete_page_of_a_protected_image_is_refused_with_the_apis_message(admin_client, owner):
    image = create(owner, name="kept", protected=True)
    response = admin_client.post(delete_url(image["id"]), {"post": "yes"}, follow=True)
    assert response.redirect_chain == [(change_url(image["id"]), 302)]
    assert shown_messages(response) == [("error", f"Image {image['id']} is protected and cannot be deleted.")]
    assert status(image) == "queued"
