"""Numbers only: weights, permutation inference, spatial statistics (numpy + scipy)."""
