"""Every model, imported in one place so that Alembic and the schema checks see the whole metadata."""
from ipservice.accounts.models import ApiToken, Enterprise, User  # noqa: F401
from ipservice.cases.models import Case, CaseTransition  # noqa: F401
from ipservice.certification.models import CertificationRecord  # noqa: F401
from ipservice.core.attachments import Attachment  # noqa: F401
from ipservice.core.audit import AuditEvent  # noqa: F401
from ipservice.core.idempotency import IdempotencyRecord  # noqa: F401
from ipservice.core.numbering import Counter  # noqa: F401
from ipservice.custody.models import CustodyAgency, CustodyEnrollment  # noqa: F401
from ipservice.kpi.models import KpiActual, TaskProgress  # noqa: F401
from ipservice.core.ratelimit import rate_limits  # noqa: F401
from ipservice.organizations.models import OrganizationClaim  # noqa: F401
