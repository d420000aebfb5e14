"""Paths of the certification API, shared by the controllers and the tests."""

APPLICATIONS = "/api/v1/applications"
APPLICATION = f"{APPLICATIONS}/{{application_id:int}}"
CERTIFICATES = "/api/v1/certificates"
CERTIFICATE = f"{CERTIFICATES}/{{number:str}}"
