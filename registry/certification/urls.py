"""Paths of the certification API, shared by the controllers and the tests; the functions give concrete
paths."""

from registry.http.paths import concrete

APPLICATIONS = "/api/v1/applications"
# An application is named by its id (12) or its number (APP-2026-00012): see api.application_by_reference.
APPLICATION = f"{APPLICATIONS}/{{application:str}}"
SUBMIT = f"{APPLICATION}/submit"
WITHDRAW = f"{APPLICATION}/withdraw"
START_REVIEW = f"{APPLICATION}/start-review"
REQUEST_INFO = f"{APPLICATION}/request-info"
EVALUATION = f"{APPLICATION}/evaluation"
DECISION = f"{APPLICATION}/decision"

CERTIFICATES = "/api/v1/certificates"
CERTIFICATE = f"{CERTIFICATES}/{{number:str}}"
HISTORY = f"{CERTIFICATE}/history"
SUSPEND = f"{CERTIFICATE}/suspend"
REVOKE = f"{CERTIFICATE}/revoke"
REINSTATE = f"{CERTIFICATE}/reinstate"
HEARINGS = f"{CERTIFICATE}/hearings"

VALIDATIONS = "/api/v1/validations"
VALIDATION = f"{VALIDATIONS}/{{validation_id:int}}"
WITHDRAW_VALIDATION = f"{VALIDATION}/withdraw"

application = concrete(APPLICATION)
submit = concrete(SUBMIT)
withdraw = concrete(WITHDRAW)
start_review = concrete(START_REVIEW)
request_info = concrete(REQUEST_INFO)
evaluation = concrete(EVALUATION)
decision = concrete(DECISION)
certificate = concrete(CERTIFICATE)
history = concrete(HISTORY)
suspend = concrete(SUSPEND)
revoke = concrete(REVOKE)
reinstate = concrete(REINSTATE)
validation = concrete(VALIDATION)
withdraw_validation = concrete(WITHDRAW_VALIDATION)
hearings = concrete(HEARINGS)
