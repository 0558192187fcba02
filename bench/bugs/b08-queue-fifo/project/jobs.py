"""A tiny job queue for the print server."""


class JobQueue:
    def __init__(self):
        self._jobs = []

    def submit(self, job):
        self._jobs.append(job)

    def next_job(self):
        """The oldest waiting job, or None."""
        if not self._jobs:
            return None
        return self._jobs.pop()

    def __len__(self):
        return len(self._jobs)
