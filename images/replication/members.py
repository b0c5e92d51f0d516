"""The projects a shared image is shared with, and each one's answer, kept in step like the properties.

A dump directory keeps them beside the image's document (dumpdir.py), so `load` brings them back.
Setting another project's answer (accepted, rejected) takes an admin on the target, as in Glance.
"""
NEW_MEMBER_STATUS = "pending"


def wanted(source, image):
    """The source's memberships of `image` (an API or a dump directory), or None when it is not shared."""
    if image.get("visibility") != "shared":
        return None
    return source.members(image["id"])


def bring_in_step(source, target, image):
    """Make the target's memberships the source's; return what changed (`+p`, `-p`, `p=accepted`)."""
    members = wanted(source, image)
    if members is None:
        return []
    present = target.members(image["id"])
    changes = []
    for member_id in sorted(members.keys() - present.keys()):
        target.add_member(image["id"], member_id)
        present[member_id] = NEW_MEMBER_STATUS
        changes.append(f"+{member_id}")
    for member_id in sorted(present.keys() - members.keys()):
        target.remove_member(image["id"], member_id)
        changes.append(f"-{member_id}")
    for member_id, status in sorted(members.items()):
        if present[member_id] != status:
            target.set_member_status(image["id"], member_id, status)
            changes.append(f"{member_id}={status}")
    return changes


def differences(source, target, image):
    """[(f"member {id}", source status, target status)] where they disagree (None: no such member)."""
    members = wanted(source, image)
    if members is None:
        return []
    present = target.members(image["id"])
    return [(f"member {member_id}", members.get(member_id), present.get(member_id))
            for member_id in sorted(members.keys() | present.keys())
            if members.get(member_id) != present.get(member_id)]
