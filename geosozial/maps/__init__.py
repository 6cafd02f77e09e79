"""Self-contained HTML maps (folium)."""
