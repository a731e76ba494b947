"""The kopf wiring: thin handlers that read Kubernetes, call the cloud client and write status.

Nothing else in the package imports from here.
"""
