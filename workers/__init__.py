"""Celery app and thin tasks (ids in, ids out, JSON only).

Not built yet: it arrives with the pipeline issue (storage + workers + ingestion). Until
then ``docparse parse`` runs the same library path in process.
"""
