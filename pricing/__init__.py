"""What Herald's AWS usage costs: billing units, the price table and the monthly model."""
