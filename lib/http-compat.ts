/** Sets a response header on Express (`setHeader`) or Fastify (`header`) responses. */
export function setResponseHeader(response: any, name: string, value: string): void {
  if (typeof response?.setHeader === 'function') response.setHeader(name, value);
  else if (typeof response?.header === 'function') response.header(name, value);
}
