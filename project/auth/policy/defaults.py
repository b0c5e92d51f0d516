"""Glance 33's policy rules and their secure-RBAC defaults, as a table.

Every rule Glance registers is listed, so an operator's existing Glance policy file loads
unchanged, even where this service has no endpoint for the rule (tasks, cache, locations,
stores). Check strings use oslo.policy's language and read these target keys:

  project_id   the image's or namespace's owner (the caller's project for lists and creates)
  owner        on create: the owner the new image will have
  member_id    the caller's project when it sees a shared image as a member (else None)
  visibility   the image's or namespace's visibility

Roles are the token's effective roles: Keystone expands implied roles (admin implies member
implies reader), and noauth mode does the same.
"""
ADMIN = "rule:context_is_admin"
METADEF_ADMIN = "rule:metadef_admin"
PROJECT_MEMBER = "role:member and project_id:%(project_id)s"
PROJECT_READER = "role:reader and project_id:%(project_id)s"
IMAGE_SEEN = ("project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s "
              "or 'public':%(visibility)s or 'shared':%(visibility)s")
NAMESPACE_SEEN = "project_id:%(project_id)s or 'public':%(visibility)s"

ADMIN_OR_MEMBER = f"{ADMIN} or ({PROJECT_MEMBER})"
ADMIN_OR_READER = f"{ADMIN} or ({PROJECT_READER})"
ADMIN_OR_NAMESPACE_READER = f"{ADMIN} or (role:reader and ({NAMESPACE_SEEN}))"

# (name, check string, what it guards). Order: aliases, images, members, metadefs, the rest.
RULES = [
    ("context_is_admin", "role:admin", "Who is an administrator (sees and manages everything)."),
    ("default", "", "Rule for names no other rule covers (tasks in Glance)."),
    ("service_api", "role:service or role:admin", "Service-to-service calls."),
    ("metadef_default", "", "Alias kept for policy files written for older Glance releases."),
    ("metadef_admin", ADMIN, "Who writes the metadefs catalog."),

    ("add_image", f"{ADMIN} or ({PROJECT_MEMBER} and project_id:%(owner)s)", "POST /v2/images"),
    ("get_image", f"{ADMIN} or (role:reader and ({IMAGE_SEEN}))", "GET /v2/images/{id}"),
    ("get_images", ADMIN_OR_READER, "GET /v2/images"),
    ("modify_image", ADMIN_OR_MEMBER, "PATCH /v2/images/{id}, PUT/DELETE .../tags/{tag}"),
    ("publicize_image", ADMIN, "visibility=public on create or patch"),
    ("communitize_image", ADMIN_OR_MEMBER, "visibility=community on create or patch"),
    ("delete_image", ADMIN_OR_MEMBER, "DELETE /v2/images/{id}"),
    ("upload_image", ADMIN_OR_MEMBER, "PUT /v2/images/{id}/file"),
    ("download_image", f"{ADMIN} or (role:member and ({IMAGE_SEEN}))", "GET /v2/images/{id}/file"),
    ("download_from_store", f"{ADMIN} or (role:member and ({IMAGE_SEEN}))", "(no endpoint here)"),
    ("deactivate", ADMIN_OR_MEMBER, "POST /v2/images/{id}/actions/deactivate"),
    ("reactivate", ADMIN_OR_MEMBER, "POST /v2/images/{id}/actions/reactivate"),
    ("copy_image", ADMIN, "(no endpoint here)"),
    ("get_image_location", ADMIN_OR_READER, "DELETE /v2/stores/{store_id}/{image_id}"),
    ("set_image_location", ADMIN_OR_MEMBER, "(no endpoint here)"),
    ("delete_image_location", ADMIN, "DELETE /v2/stores/{store_id}/{image_id}"),
    ("add_image_location", f"rule:service_api or ({PROJECT_MEMBER} and project_id:%(owner)s)",
     "(no endpoint here)"),
    ("fetch_image_location", "rule:service_api", "(no endpoint here)"),
    ("manage_image_cache", ADMIN, "(no endpoint here)"),
    ("list_cached_nodes", ADMIN, "GET /v2/cache/nodes/{image_id}"),

    ("add_member", ADMIN_OR_MEMBER, "POST /v2/images/{id}/members"),
    ("get_members", f"{ADMIN} or role:reader and (project_id:%(project_id)s or project_id:%(member_id)s)",
     "GET /v2/images/{id}/members"),
    ("get_member", f"{ADMIN} or role:reader and (project_id:%(project_id)s or project_id:%(member_id)s)",
     "GET /v2/images/{id}/members/{member}"),
    ("modify_member", f"{ADMIN} or (role:member and project_id:%(member_id)s)",
     "PUT /v2/images/{id}/members/{member} (the member project answers)"),
    ("delete_member", ADMIN_OR_MEMBER, "DELETE /v2/images/{id}/members/{member}"),

    ("get_metadef_namespace", ADMIN_OR_NAMESPACE_READER, "GET /v2/metadefs/namespaces/{ns}"),
    ("get_metadef_namespaces", ADMIN_OR_READER, "GET /v2/metadefs/namespaces"),
    ("add_metadef_namespace", METADEF_ADMIN, "POST /v2/metadefs/namespaces"),
    ("modify_metadef_namespace", METADEF_ADMIN, "PUT /v2/metadefs/namespaces/{ns}"),
    ("delete_metadef_namespace", METADEF_ADMIN, "DELETE a namespace, or all its objects, properties or tags"),
    ("get_metadef_object", ADMIN_OR_NAMESPACE_READER, "GET .../objects/{name}"),
    ("get_metadef_objects", ADMIN_OR_NAMESPACE_READER, "GET .../objects"),
    ("add_metadef_object", METADEF_ADMIN, "POST .../objects"),
    ("modify_metadef_object", METADEF_ADMIN, "PUT .../objects/{name}"),
    ("delete_metadef_object", METADEF_ADMIN, "DELETE .../objects/{name}"),
    ("get_metadef_property", ADMIN_OR_NAMESPACE_READER, "GET .../properties/{name}"),
    ("get_metadef_properties", ADMIN_OR_NAMESPACE_READER, "GET .../properties"),
    ("add_metadef_property", METADEF_ADMIN, "POST .../properties"),
    ("modify_metadef_property", METADEF_ADMIN, "PUT .../properties/{name}"),
    ("remove_metadef_property", METADEF_ADMIN, "DELETE .../properties/{name}"),
    ("get_metadef_tag", ADMIN_OR_NAMESPACE_READER, "GET .../tags/{name}"),
    ("get_metadef_tags", ADMIN_OR_NAMESPACE_READER, "GET .../tags"),
    ("add_metadef_tag", METADEF_ADMIN, "POST .../tags/{name}"),
    ("add_metadef_tags", METADEF_ADMIN, "POST .../tags"),
    ("modify_metadef_tag", METADEF_ADMIN, "PUT .../tags/{name}"),
    ("delete_metadef_tag", METADEF_ADMIN, "DELETE .../tags/{name}"),
    ("delete_metadef_tags", METADEF_ADMIN, "DELETE .../tags"),
    ("list_metadef_resource_types", ADMIN_OR_NAMESPACE_READER,
     "GET /v2/metadefs/resource_types, and a namespace's associations"),
    ("get_metadef_resource_type", ADMIN_OR_NAMESPACE_READER, "GET .../resource_types"),
    ("add_metadef_resource_type_association", METADEF_ADMIN, "POST .../resource_types"),
    ("remove_metadef_resource_type_association", METADEF_ADMIN, "DELETE .../resource_types/{name}"),

    ("cache_image", ADMIN, "PUT /v2/cache/{image_id}"),
    ("cache_list", ADMIN, "GET /v2/cache"),
    ("cache_delete", ADMIN, "DELETE /v2/cache, DELETE /v2/cache/{image_id}"),
    ("cache_clean", ADMIN, "POST /v2/cache/clean"),
    ("cache_prune", ADMIN, "POST /v2/cache/prune"),
    ("stores_info_detail", f"{ADMIN} or rule:service_api", "GET /v2/info/stores/detail"),
    ("get_task", "rule:default", "(no endpoint here)"),
    ("get_tasks", "rule:default", "(no endpoint here)"),
    ("add_task", "rule:default", "(no endpoint here)"),
    ("modify_task", "rule:default", "(no endpoint here)"),
    ("tasks_api_access", ADMIN, "(no endpoint here)"),
]

CHECK_STRINGS = {name: check for name, check, _ in RULES}
