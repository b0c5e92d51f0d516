"""Two scrubbers at once (two nodes' cron): every pending_delete image is scrubbed exactly once, no error."""
import subprocess

import pytest
import requests

from tests.support.live_server import PYTHON, ROOT, LiveServer

pytestmark = pytest.mark.e2e
IMAGES = 20


def test_two_scrubbers_scrub_each_image_exactly_once(tmp_path):
    with LiveServer(tmp_path / "server", extra_env={"DELAYED_DELETE": "1", "SCRUB_TIME": "0"}) as server:
        for n in range(IMAGES):
            image = requests.post(f"{server.url}/v2/images", json={"name": f"doomed-{n}", "disk_format": "raw",
                                                                   "container_format": "bare"}).json()
            requests.put(f"{server.url}/v2/images/{image['id']}/file", data=b"data " * 1000,
                         headers={"Content-Type": "application/octet-stream"}).raise_for_status()
            assert requests.delete(f"{server.url}/v2/images/{image['id']}").status_code == 204
        assert len(list((tmp_path / "server" / "images").iterdir())) == IMAGES  # delayed: data kept

        scrubbers = [subprocess.Popen([str(PYTHON), "manage.py", "scrub"], cwd=ROOT, env=server.env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [scrubber.communicate(timeout=120) for scrubber in scrubbers]
        assert [scrubber.returncode for scrubber in scrubbers] == [0, 0], results
        scrubbed = [line for out, _ in results for line in out.splitlines() if line.startswith("  scrubbed ")]
        assert len(scrubbed) == len(set(scrubbed)) == IMAGES
        assert list((tmp_path / "server" / "images").iterdir()) == []
