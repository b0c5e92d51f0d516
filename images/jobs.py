"""The work imports hand to the task engine: Django's Tasks framework (django-tasks) and its database backend.

A job carries only the import task's id: the Task row (images.models) holds what to do and how it
went, so any node's worker can run it and crash recovery can read it.
"""
import hashlib

from django_tasks import task

DEFAULT_QUEUE = "default"
QUEUE_NAME_MAX = 32  # django_tasks_db's column


def node_queue(node_name):
    """The queue of imports that must run on `node_name` (their staged data is on its disk)."""
    queue = f"node.{node_name}"
    if len(queue) > QUEUE_NAME_MAX:
        queue = "node." + hashlib.sha256(node_name.encode()).hexdigest()[:QUEUE_NAME_MAX - 5]
    return queue


@task()
def import_job(task_id):
    from images import import_work  # the worker side loads stores and plugins; the API only enqueues

    import_work.import_run(task_id)


def import_enqueue(task_id, queue):
    import_job.using(queue_name=queue).enqueue(task_id)


@task()
def cache_fill_job(image_id):
    from images import cache_manage

    cache_manage.image_prefetch(image_id)


def cache_enqueue(image_id, queue):
    """The cache is per node: the job goes to `queue`, the queue of the node that asked."""
    cache_fill_job.using(queue_name=queue).enqueue(image_id)
