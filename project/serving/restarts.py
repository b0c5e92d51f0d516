"""When `manage.py serve` starts a dead import worker again.

A worker that had been running a while starts again after a second. One that dies soon after it
started (the database is down, a setting is wrong) waits twice as long each time, up to a minute:
every start loads Django, and starting one each second would take a core while fixing nothing.
"""
import time

FIRST_DELAY = 1.0
LONGEST_DELAY = 60.0
# A worker that ran at least this long had started properly: its death is news, not a crash loop.
STEADY_AFTER = 60.0


class Restarts:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.started = {}
        self.delays = {}
        self.due = {}

    def started_now(self, name):
        self.started[name] = self.clock()
        self.due.pop(name, None)

    def exited(self, name):
        """Record that worker `name` ended; returns the seconds until it is started again."""
        now = self.clock()
        if now - self.started.get(name, now) >= STEADY_AFTER or name not in self.delays:
            delay = FIRST_DELAY
        else:
            delay = min(self.delays[name] * 2, LONGEST_DELAY)
        self.delays[name] = delay
        self.due[name] = now + delay
        return delay

    def waiting(self, name):
        return name in self.due

    def ready(self):
        """The workers whose wait is over."""
        now = self.clock()
        return [name for name, due in self.due.items() if due <= now]
