"""Values of the method (SPEC §2–§4) that several modules share."""

from decimal import Decimal

DEFAULT_BEHIND_THRESHOLD = Decimal("0.10")
DEFAULT_BURN_THRESHOLD = Decimal("0.80")
DEFAULT_BUFFER_PCT = 30
# The method asks for 30-50 % on top of the first estimate.
ADVISED_BUFFER_MIN_PCT = 30
ADVISED_BUFFER_MAX_PCT = 50
MONTHS_PER_YEAR = 12
QUARTERS = (1, 2, 3, 4)
MIN_DESCRIPTION_CHARS = 20
