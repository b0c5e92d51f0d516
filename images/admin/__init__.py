"""The management UI of images (Django admin).

Every write goes through the services the API uses (images.services) with the admin's
RequestContext, so an action here obeys the API's rules and is refused with its message.
"""
from images.admin import audit, cache, image_admin  # noqa: F401 - importing registers the admins
