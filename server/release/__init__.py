"""The release overview: deployment pipelines of applications (pipeline.py) and reports of deployments
and of what is deployed where (reports.py). Both only read the repository and the task store."""
