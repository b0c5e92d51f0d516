"""The options of `manage.py replicate`: Glance's glance-replicator names kept, v2 auth added."""
import argparse

from images.replication import ReplicationError, plan
from images.replication.auth import Credentials

SUBCOMMANDS = {
    "livecopy": (("SOURCE", "TARGET"), "copy the source's active images (metadata and data) into the target"),
    "compare": (("SOURCE", "TARGET"), "print what differs between source and target; exit status 1 when anything"),
    "dump": (("SOURCE", "DIR"), "write the source's active images into DIR (<id>.json and <id>.img)"),
    "load": (("DIR", "TARGET"), "copy a dump directory's images into the target"),
    "size": (("SOURCE",), "print the count and total bytes of the source's active images"),
}
# Per side: option suffix -> Credentials field.
SIDE_OPTIONS = {
    "project-id": ("project_id", "trusted headers: X-Project-Id to send"),
    "user-id": ("user_id", "trusted headers: X-User-Id to send"),
    "roles": ("roles", "trusted headers: X-Roles to send (default admin when a project is given)"),
    "auth-url": ("auth_url", "Keystone v3 URL to log in at (with --SIDE-username, -password, -project-name)"),
    "username": ("username", "Keystone user"),
    "password": ("password", "Keystone password (visible to `ps`: prefer --SIDE-password-file)"),
    "password-file": ("password_file", "file whose first line is the Keystone password"),
    "project-name": ("project_name", "Keystone project to scope the token to"),
    "user-domain-name": ("user_domain_name", "Keystone user's domain (default Default)"),
    "project-domain-name": ("project_domain_name", "Keystone project's domain (default Default)"),
}
# Glance's names first; mastertoken/slavetoken are the replicator's oldest spellings.
TOKEN_OPTIONS = {"source": ("--sourcetoken", "--source-token", "--mastertoken"),
                 "target": ("--targettoken", "--target-token", "--slavetoken")}


def common_options():
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-D", "--dontreplicate", default=plan.DEFAULT_DONT_REPLICATE,
                        help="space-separated properties not copied nor compared "
                             f"(default: {plan.DEFAULT_DONT_REPLICATE})")
    parser.add_argument("-m", "--metaonly", action="store_true", help="metadata only: no image data is copied")
    parser.add_argument("-c", "--chunksize", type=int, default=65536, help="bytes per read of image data")
    parser.add_argument("-t", "--token", default="", help="token for both sides (X-Auth-Token)")
    parser.add_argument("--saving-wait", type=float, default=60.0,
                        help="seconds to wait for a target image still `saving` to end before leaving it")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds without an answer before giving up")
    for side in ("source", "target"):
        group = parser.add_argument_group(f"{side} side")
        group.add_argument(*TOKEN_OPTIONS[side], dest=f"{side}_token", default="", help=f"token for the {side}")
        for suffix, (field, text) in SIDE_OPTIONS.items():
            default = "Default" if field.endswith("domain_name") else ""
            group.add_argument(f"--{side}-{suffix}", dest=f"{side}_{field}", default=default,
                               help=text.replace("SIDE", side))
    return parser


def add_subcommands(parser):
    common = common_options()
    subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
    for name, (positionals, text) in SUBCOMMANDS.items():
        sub = subcommands.add_parser(name, parents=[common], help=text, description=text)
        for positional in positionals:
            sub.add_argument(positional.lower(), metavar=positional)


def credentials(options, side):
    fields = {field: options[f"{side}_{field}"] for field, _ in SIDE_OPTIONS.values()}
    password_file = fields.pop("password_file")
    if password_file:
        fields["password"] = _first_line(password_file, f"--{side}-password-file")
    return Credentials(token=options[f"{side}_token"] or options["token"], **fields)


def _first_line(path, option):
    try:
        with open(path, encoding="utf-8") as lines:
            return lines.readline().rstrip("\r\n")
    except OSError as exc:
        raise ReplicationError(f"{option} {path}: {exc.strerror}") from None
