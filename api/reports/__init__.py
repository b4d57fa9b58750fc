"""Reports in the API: the report jobs, their storage, downloads, uploads and e-mails."""
