"""Products, schedules, accrual, repayments, delinquency, credit lines, collateral."""
