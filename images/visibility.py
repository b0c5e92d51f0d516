"""Who sees which images, as query conditions (Glance's rules).

Admins see everything; other callers see public and community images, their
own, and shared images their project is a member of. Lists are narrower than
lookups by id: a community image appears in a list only for its owner (or
when asked for by visibility), and a shared image only once its membership
is accepted (unless member_status says otherwise).
"""
from django.db.models import Exists, OuterRef, Q

from images.choices import MemberStatus, Status, Visibility
from images.models import ImageMember


def _membership(context, status=None):
    members = ImageMember.objects.filter(image=OuterRef("pk"), member=context.owner)
    if status is not None:
        members = members.filter(status=status)
    return Q(visibility=Visibility.SHARED) & Q(Exists(members))


def visible_q(context):
    """Images `context` may see by id (any membership status counts)."""
    if context.is_admin:
        return Q()
    visible = Q(visibility__in=[Visibility.PUBLIC, Visibility.COMMUNITY]) | Q(owner__isnull=True)
    if context.owner is not None:
        visible |= Q(owner=context.owner) | _membership(context)
    return visible


def listed_q(context, *, visibility=None, member_status=MemberStatus.ACCEPTED):
    """Images a list request shows `context`, before any other filter.

    `visibility` is the list filter ("all" or one visibility, None when
    absent); `member_status` selects shared images by membership ("all" for any).
    """
    if context.is_admin:
        scope = Q()
    else:
        scope = Q(visibility__in=[Visibility.PUBLIC, Visibility.COMMUNITY])
        if context.owner is not None:
            status = None if member_status == "all" else member_status
            scope |= Q(owner=context.owner) | _membership(context, status)
    return scope & _visibility_filter(context, visibility) & ~Q(status=Status.KILLED)


def _visibility_filter(context, visibility):
    if visibility == "all":
        return Q()
    if visibility is not None:
        return Q(visibility=visibility)
    # Without a visibility filter, community images are listed for their owner only.
    if context.owner is None:
        return ~Q(visibility=Visibility.COMMUNITY)
    return Q(owner=context.owner) | ~Q(visibility=Visibility.COMMUNITY)
