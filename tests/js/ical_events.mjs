// Reads an iCalendar document on stdin and prints, as JSON, what Mozilla's ical.js
// (Thunderbird's parser) makes of each event: its UTC start and end, UID, SEQUENCE,
// STATUS and SUMMARY. Every VTIMEZONE is registered first, as a client does; an
// event whose TZID has no VTIMEZONE comes out as a floating time and is flagged.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const root = new ICAL.Component(ICAL.parse(text));
const zones = root.getAllSubcomponents("vtimezone").map((vtz) => {
  const zone = new ICAL.Timezone(vtz);
  ICAL.TimezoneService.register(zone);
  return zone.tzid;
});

const iso = (time) => time.toJSDate().toISOString();
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    summary: event.summary,
    location: event.location,
    floating: start.zone === ICAL.Timezone.localTimezone || start.zone == null,
    tzid: start.timezone ?? start.zone?.tzid ?? null,
    start: iso(start.convertToZone(ICAL.Timezone.utcTimezone)),
    end: iso(event.endDate.convertToZone(ICAL.Timezone.utcTimezone)),
    dtstamp: vevent.getFirstPropertyValue("dtstamp")?.toString() ?? null,
  };
});

process.stdout.write(JSON.stringify({ zones, events }));
