ORDER = 95  # its place among the areas (navigation order)
