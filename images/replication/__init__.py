"""Keeping two image services in step through their v2 APIs (`manage.py replicate`).

Glance's glance-replicator spoke only the v1 API; this is its v2 successor. Nothing here
reads a database: the source and the target are any Image API v2 endpoints (this service,
a real Glance) or a dump directory, so a region can be mirrored from anywhere that reaches both.

  client.py     one endpoint: paging, create with id, patch, members, streamed download and upload
  auth.py       a keystoneauth1 session per side: token, trusted headers or Keystone password
  plan.py       what to copy: replicable metadata, the patch that brings a target in step, differences
  members.py    the memberships of shared images, kept in step
  transfer.py   the data path: a counting (and, for dumps, hashing) reader and the check of what was read
  dumpdir.py    a directory of <id>.json + <id>.img (+ <id>.members.json), as a source (load) and a target (dump)
  progress.py   the bytes bar with its ETA on stderr, and the summary counters
  runner.py     livecopy and load (one pass over the source's active images)
  dumping.py    dump
  compare.py    compare and size
  cli.py        the command's options (Glance's names kept)
"""


class ReplicationError(Exception):
    """A failure that names the side, the image or the file at fault."""
