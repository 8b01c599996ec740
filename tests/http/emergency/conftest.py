import pytest

from idp import services
from tests.factories import make_user
from tests.support.signin import enroll_totp


@pytest.fixture
def admins(app, clock):
    """Sam (who lost his authenticator), two other security admins, a disabled one."""
    sam = make_user("sam", platform_role="security_admin", display_name="Sam Security")
    enroll_totp(sam, clock)
    others = [
        make_user("sue", platform_role="security_admin"),
        make_user("syd", platform_role="security_admin"),
    ]
    make_user("old", platform_role="security_admin", status="disabled")
    return sam, others


@pytest.fixture
def code(admins):
    return services.emergency_codes().issue(admins[0])
