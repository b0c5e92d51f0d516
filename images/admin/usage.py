"""Per project: images and stored bytes against IMAGE_COUNT_TOTAL_QUOTA and IMAGE_SIZE_TOTAL_QUOTA."""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from images import quotas


@dataclass(frozen=True)
class ProjectUsage:
    owner: str
    image_count: int
    stored_bytes: int
    uploading_count: int

    @property
    def stored_mib(self):
        return -(-self.stored_bytes // quotas.MiB)  # rounded up, as the limit's messages count

    @property
    def over_count(self):
        limit = settings.IMAGE_COUNT_TOTAL_QUOTA
        return limit != quotas.UNLIMITED and self.image_count > limit

    @property
    def over_size(self):
        limit = settings.IMAGE_SIZE_TOTAL_QUOTA
        return limit != quotas.UNLIMITED and self.stored_bytes > limit * quotas.MiB

    @property
    def images_url(self):
        return f"{reverse('admin:images_image_changelist')}?{urlencode({'owner': self.owner})}"


def _limit(value):
    return "unlimited" if value == quotas.UNLIMITED else value


class UsageView(View):
    """Every project that owns images, from one aggregate query (images.quotas.usage_by_owner)."""

    model_admin = None

    def get(self, request):
        projects = [ProjectUsage(**row) for row in quotas.usage_by_owner()]
        return TemplateResponse(request, "admin/images/image/usage.html", {
            **self.model_admin.admin_site.each_context(request), "opts": self.model_admin.opts,
            "title": "Image usage per project", "projects": projects,
            "count_limit": _limit(settings.IMAGE_COUNT_TOTAL_QUOTA),
            "size_limit": _limit(settings.IMAGE_SIZE_TOTAL_QUOTA),
            "uploading_limit": _limit(settings.IMAGE_COUNT_UPLOADING_QUOTA),
        })
