"""datekit: business days, date ranges, ISO weeks and durations."""
from .business import is_business_day, add_business_days, business_days_between
from .ranges import date_range, month_end, add_months, iso_week_dates, quarter_of
from .durations import parse_duration, format_duration

__all__ = ["is_business_day", "add_business_days", "business_days_between", "date_range",
           "month_end", "add_months", "iso_week_dates", "quarter_of", "parse_duration",
           "format_duration"]
