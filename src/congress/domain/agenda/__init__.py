"""Attendees ' agendas: starred items and seats in workshop runs."""
