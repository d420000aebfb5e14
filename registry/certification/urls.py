"""Paths of the certification API, shared by the controllers and the tests; the functions give concrete
paths."""

APPLICATIONS = "/api/v1/applications"
APPLICATION = f"{APPLICATIONS}/{{application_id:int}}"
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


def application(application_id: int) -> str:
    return f"{APPLICATIONS}/{application_id}"


def submit(application_id: int) -> str:
    return f"{application(application_id)}/submit"


def withdraw(application_id: int) -> str:
    return f"{application(application_id)}/withdraw"


def start_review(application_id: int) -> str:
    return f"{application(application_id)}/start-review"


def request_info(application_id: int) -> str:
    return f"{application(application_id)}/request-info"


def evaluation(application_id: int) -> str:
    return f"{application(application_id)}/evaluation"


def decision(application_id: int) -> str:
    return f"{application(application_id)}/decision"


def certificate(number: str) -> str:
    return f"{CERTIFICATES}/{number}"


def history(number: str) -> str:
    return f"{certificate(number)}/history"


def suspend(number: str) -> str:
    return f"{certificate(number)}/suspend"


def revoke(number: str) -> str:
    return f"{certificate(number)}/revoke"


def reinstate(number: str) -> str:
    return f"{certificate(number)}/reinstate"
