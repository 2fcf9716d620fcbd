"""Exports of released programmes: frab/c3voc schedule.json and schedule.xml, CSV and XLSX."""
