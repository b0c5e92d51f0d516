"""Real disk images for tests that upload data as qcow2 (the service inspects what it is sent)."""
import os
import shutil
import subprocess

INSTALL = "apt-get install qemu-utils"


def qcow2_with_data(path, data_size):
    """A qcow2 file at `path` holding `data_size` random bytes (converted by qemu-img); returns its bytes."""
    if shutil.which("qemu-img") is None:
        raise RuntimeError(f"qemu-img is missing ({INSTALL}; make test installs it)")
    raw = path.with_suffix(".raw")
    raw.write_bytes(os.urandom(data_size))
    subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", str(raw), str(path)], check=True)
    raw.unlink()
    return path.read_bytes()
