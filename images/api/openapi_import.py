"""The OpenAPI description of import, tasks, locations, the info routes, stores, the cache and the
image schema documents (the rest of images/api/urls.py)."""
from images import schemas, task_records
from images.choices import ImportMethod, TaskStatus
from images.task_schemas import TASK_TYPES
from project.api.openapi import (answer, header_param, json_content, link, operation, path_param, paging_params,
                                 query_param, ref, request_body, served_schema, with_required)

IMAGE_ID = path_param("image_id", "The image's id.")
STORE_HEADER = header_param("X-Image-Meta-Store", "With several stores: the store to import into.")
SAME_IMAGE = {"image_id": "$request.path.image_id"}
DATA = {"type": "string", "format": "binary"}
OBJECT = {"type": "object"}
STRINGS = {"type": "array", "items": {"type": "string"}}

IMPORT_BODY = {
    "type": "object",
    "properties": {
        "method": {"type": "object", "properties": {
            "name": {"type": "string", "enum": list(ImportMethod.values)},
            "uri": {"type": "string", "description": "web-download: the URL to fetch."}}, "required": ["name"]},
        "stores": STRINGS,
        "all_stores": {"type": "boolean"},
        "all_stores_must_succeed": {"type": "boolean"},
    },
    "required": ["method"],
}
LOCATION_BODY = {
    "type": "object",
    "properties": {"url": {"type": "string"},
                   "validation_data": {"type": "object", "properties": {
                       "os_hash_algo": {"type": "string"}, "os_hash_value": {"type": "string"}}}},
    "required": ["url"],
}
LOCATIONS = {"type": "array", "items": {"type": "object", "properties": {"url": {"type": "string"},
                                                                        "metadata": OBJECT},
                                        "required": ["url", "metadata"]}}
# GET /v2/images/{id}/tasks: Glance serializes the task rows themselves (images/task_records.py).
IMAGE_TASKS = {"type": "object", "required": ["tasks"], "properties": {"tasks": {"type": "array", "items": {
    "type": "object",
    "properties": {"id": {"type": "string"}, "type": {"type": "string", "enum": TASK_TYPES},
                   "status": {"type": "string", "enum": list(TaskStatus.values)}, "image_id": {"type": "string"},
                   "input": {"type": ["object", "null"]}, "result": {"type": ["object", "null"]},
                   "message": {"type": ["string", "null"]}, "deleted": {"type": "boolean"}},
    "required": ["id", "type", "status", "image_id", "created_at", "updated_at", "deleted"]}}}}
IMPORT_INFO = {"type": "object", "required": ["import-methods"], "properties": {"import-methods": {
    "type": "object", "required": ["value"], "properties": {"value": STRINGS}}}}
USAGE_ITEM = {"type": "object", "properties": {"usage": {"type": "integer"}, "limit": {"type": "integer"}},
              "required": ["usage", "limit"]}
USAGE = {"type": "object", "required": ["usage"], "properties": {"usage": {
    "type": "object", "additionalProperties": USAGE_ITEM}}}
STORES = {"type": "object", "required": ["stores"], "properties": {"stores": {"type": "array", "items": {
    "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "description": {"type": "string"},
                                                          "default": {"type": "string"}, "read-only": {"type": "string"},
                                                          "type": {"type": "string"}, "weight": {"type": "integer"},
                                                          "properties": OBJECT}}}}}
CACHE_STATE = {"type": "object", "required": ["cached_images", "queued_images"], "properties": {
    "cached_images": {"type": "array", "items": {"type": "object", "properties": {
        "image_id": {"type": "string"}, "last_accessed": {"type": "number"}, "last_modified": {"type": "number"},
        "size": {"type": "integer"}, "hits": {"type": "integer"}, "checksum": {"type": ["string", "null"]}},
        "required": ["image_id", "size", "hits"]}},
    "queued_images": STRINGS}}
PRUNED = {"type": "object", "required": ["total_files_pruned", "total_bytes_pruned"], "properties": {
    "total_files_pruned": {"type": "integer"}, "total_bytes_pruned": {"type": "integer"}}}


def import_paths():
    tag = "import"
    return {
        "/v2/images/{image_id}/stage": {"parameters": [IMAGE_ID], "put": operation(
            "stageImageData", "Stage data for a glance-direct import (queued -> uploading)", tag, {
                204: answer("Staged.", links={"Import": link("importImage", SAME_IMAGE)})},
            400, 401, 403, 404, 409, 410, 413, 415, 503,
            params=[header_param("x-openstack-image-size", "Size of the data, when sent chunked.",
                                 {"type": "integer", "minimum": 0})],
            body=request_body({"application/octet-stream": DATA}))},
        "/v2/images/{image_id}/import": {"parameters": [IMAGE_ID], "post": operation(
            "importImage", "Import data (glance-direct, web-download, copy-image) in the background", tag, {
                202: answer("Accepted; a task does the work.", links={
                    "Tasks": link("listImageTasks", SAME_IMAGE)})},
            400, 401, 403, 404, 409, 413, params=[STORE_HEADER], body=request_body(json_content(IMPORT_BODY)))},
        "/v2/images/{image_id}/tasks": {"parameters": [IMAGE_ID], "get": operation(
            "listImageTasks", "The image's import tasks", tag, {200: answer("Its tasks.", IMAGE_TASKS)},
            401, 403, 404)},
        "/v2/images/{image_id}/locations": {
            "parameters": [IMAGE_ID],
            "post": operation("addImageLocation", "Add a location to a queued image (v2.17)", "locations", {
                202: answer("Accepted; a task verifies it.")}, 400, 401, 403, 404, 409,
                body=request_body(json_content(LOCATION_BODY))),
            "get": operation("listImageLocations", "Every copy's URL (services)", "locations", {
                200: answer("The locations.", LOCATIONS)}, 401, 403, 404),
        },
    }


def task_paths():
    tag = "tasks"
    return {
        "/v2/tasks": {"get": operation("listTasks", "List tasks", tag, {200: answer("A page of tasks.", ref("Tasks"))},
                                       400, 401, 403, params=[
                                           *paging_params(task_records.SORT_KEYS),
                                           query_param("type", "Task type.", {"type": "string", "enum": TASK_TYPES}),
                                           query_param("status", "Task status.", {"type": "string", "enum":
                                                       list(TaskStatus.values)})])},
        "/v2/tasks/{task_id}": {"parameters": [path_param("task_id", "The task's id.")], "get": operation(
            "showTask", "Show a task", tag, {200: answer("The task.", ref("Task"))}, 401, 403, 404)},
    }


def info_paths():
    tag = "info"
    stores = answer("The stores.", STORES)
    return {
        "/v2/info/import": {"get": operation("showImportInfo", "Import methods offered", tag, {
            200: answer("IMPORT_METHODS.", IMPORT_INFO)}, 401)},
        "/v2/info/usage": {"get": operation("showUsage", "The caller's project's quota usage", tag, {
            200: answer("Usage and limits.", USAGE)}, 401, 403)},
        "/v2/info/stores": {"get": operation("listStores", "Stores (404 with one store, as Glance)", tag,
                                             {200: stores}, 401, 403, 404)},
        "/v2/info/stores/detail": {"get": operation("listStoresDetail", "Stores with their properties (admin)", tag,
                                                    {200: stores}, 401, 403, 404)},
        "/v2/stores/{store_id}/{image_id}": {
            "parameters": [path_param("store_id", "The store."), IMAGE_ID],
            "delete": operation("deleteImageFromStore", "Delete one store's copy of the data", "stores", {
                204: answer("Deleted.")}, 400, 401, 403, 404, 409)},
    }


def cache_paths():
    tag, empty = "cache", answer("Done (an empty text/html body, as Glance's).")
    target = header_param("x-image-cache-clear-target", "cache, queue, or both when absent.",
                          {"type": "string", "enum": ["", "cache", "queue"]})
    return {
        "/v2/cache": {
            "get": operation("listCache", "This node's cached and queued images (IMAGE_CACHE_DIR set)", tag, {
                200: answer("The cache.", CACHE_STATE)}, 401, 403, 404),
            "delete": operation("clearCache", "Empty the cache and/or its queue", tag, {204: empty},
                                400, 401, 403, 404, params=[target]),
        },
        "/v2/cache/clean": {"post": operation("cleanCache", "Remove stalled and invalid cache files", tag,
                                              {200: empty}, 401, 403, 404)},
        "/v2/cache/prune": {"post": operation("pruneCache", "Shrink the cache to IMAGE_CACHE_MAX_SIZE", tag, {
            200: answer("What was removed.", PRUNED)}, 401, 403, 404)},
        "/v2/cache/nodes/{image_id}": {"parameters": [IMAGE_ID], "get": operation(
            "listCacheNodes", "The nodes that cache the image", tag, {200: answer("Node names.", STRINGS)},
            401, 403, 404)},
        "/v2/cache/{image_id}": {
            "parameters": [IMAGE_ID],
            "put": operation("queueCachedImage", "Queue an active image for this node's cache", tag,
                             {202: answer("Queued.")}, 400, 401, 403, 404),
            "delete": operation("deleteCachedImage", "Remove an image from this node's cache", tag, {204: empty},
                                401, 403, 404),
        },
    }


def schema_paths():
    return {f"/v2/schemas/{name}": {"get": operation(
        f"showSchema{name.capitalize()}", f"The JSON schema '{name}'", "schemas", {
            200: answer("A JSON-schema (draft 4) document.", {"type": "object", "required": ["name", "properties"]})},
        401)} for name in schemas.DOCUMENTS}


def task_schemas(components):
    components["Task"] = with_required(served_schema(schemas.DOCUMENTS["task"], "Task", components), (
        "id", "type", "status", "input", "result", "message", "created_at", "updated_at", "self", "schema"))
    tasks = served_schema(schemas.DOCUMENTS["tasks"], "Tasks", components)
    tasks["properties"]["tasks"]["items"] = with_required(tasks["properties"]["tasks"]["items"], (
        "id", "type", "status", "created_at", "updated_at", "self", "schema"))
    tasks["properties"].update(first={"type": "string"}, next={"type": "string"})
    components["Tasks"] = with_required(tasks, ("tasks", "first", "schema"))


def paths(components):
    task_schemas(components)
    return {**import_paths(), **task_paths(), **info_paths(), **cache_paths(), **schema_paths()}
